-- checks: commands asked for while the show loads are capped (12e6 stop() took 1.4 GiB outside the memory limit). expect line 4: stop(): at most 256 commands may be asked for while the show loads
show { name = "Too many queued" }
output { "o", type = "sacn", universes = {1} }
for i = 1, 12e6 do stop() end
