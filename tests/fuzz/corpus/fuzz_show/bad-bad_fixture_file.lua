-- checks: a broken fixture file in the show's own fixtures/ folder is found and named. expect line 4: fixtures/test/broken.lua: unknown field 'chanels'
show { name = "Bad fixture file" }
output { "o", type = "sacn", universes = {1} }
patch { "a", type = "test/broken", universe = 1, address = 1 }
