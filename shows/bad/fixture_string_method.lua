-- checks: a fixture file gets no methods at all, not even on strings. expect line 4: fixtures/test/string_method.lua:4: attempt to index a string value
show { name = "Fixture string method" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "test/string_method", universe = 1, address = 1 }
