-- checks: dofile is not in the sandbox. expect line 4: global 'dofile'
show { name = "dofile" }
output { "o", type = "sacn", universes = {1} }
dofile("/etc/passwd")
