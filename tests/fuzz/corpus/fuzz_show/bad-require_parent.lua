-- checks: require may not leave the show's folder or scripts/lib. expect line 4: require "../x": not allowed
show { name = "require ../x" }
output { "o", type = "sacn", universes = {1} }
local x = require "../x"
