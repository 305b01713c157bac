-- checks: declaration tables are read raw: fields a metatable's __index would supply are not there. expect line 6: patch "a": needs a fixture type (type = "generic/dimmer")
show { name = "Metatable fields" }
output { "o", type = "sacn", universes = {1} }
local defaults = { __index = function(t, k) return ({ type = "generic/dimmer", universe = 1, address = 1 })[k] end,
                   __len = function() error("no script may run while a declaration is read") end }
patch(setmetatable({ "a" }, defaults))
