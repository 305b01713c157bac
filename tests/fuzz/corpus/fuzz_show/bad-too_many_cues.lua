-- checks: cues are capped (5e6 cue{} took 1.3 GiB outside the memory limit). expect line 4: cue 16385: a show may have at most 16384 cues
show { name = "Too many cues" }
output { "o", type = "sacn", universes = {1} }
for i = 1, 5e6 do cue { i } end
