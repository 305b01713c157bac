-- checks: the string metatable a show sees is hidden, so a fixture file cannot reach the show through ("").x. expect line 6: attempt to index a boolean value
show { name = "String metatable" }
output { "o", type = "sacn", universes = {1} }
-- This once handed the show's env to fixture files: their strings shared
-- the metatable, and fixtures/test/string_method.lua could run show code.
getmetatable("").__index.env = _ENV
patch { "a", type = "test/string_method", universe = 1, address = 1 }
