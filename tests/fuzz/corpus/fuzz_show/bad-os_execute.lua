-- checks: os has only time, clock, date and difftime. expect line 4: field 'execute'
show { name = "os.execute" }
output { "o", type = "sacn", universes = {1} }
os.execute("touch /tmp/ghostlight-was-here")
