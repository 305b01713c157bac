-- checks: pcall() without a function names the line. expect line 4: bad argument #1 to 'pcall' (value expected
show { name = "pcall()" }
output { "o", type = "sacn", universes = {1} }
pcall()
