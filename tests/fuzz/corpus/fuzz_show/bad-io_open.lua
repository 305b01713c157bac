-- checks: there is no io library in the sandbox. expect line 4: global 'io'
show { name = "io.open" }
output { "o", type = "sacn", universes = {1} }
local f = io.open("/etc/passwd")
