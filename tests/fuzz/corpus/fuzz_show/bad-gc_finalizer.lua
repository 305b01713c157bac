-- checks: no __gc finalizers (they run with hooks off: no budget could stop one). expect line 4: __gc metamethods are not allowed
show { name = "gc finalizer" }
output { "o", type = "sacn", universes = {1} }
local t = setmetatable({}, { __gc = function() while true do end end })
