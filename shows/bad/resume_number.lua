-- checks: coroutine.resume of something else names the line. expect line 4: bad argument #1 to 'resume' (thread expected, got number)
show { name = "coroutine.resume(1)" }
output { "o", type = "sacn", universes = {1} }
coroutine.resume(1)
