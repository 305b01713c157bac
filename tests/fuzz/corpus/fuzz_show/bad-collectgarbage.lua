-- checks: collectgarbage only counts. expect line 4: collectgarbage("collect") is not allowed
show { name = "collectgarbage" }
output { "o", type = "sacn", universes = {1} }
collectgarbage("collect")
