-- checks: an audio fader is the master. expect line 4: fader 9: audio = "monitor": an audio fader is the master
show { name = "Audio fader" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
fader(9, { audio = "monitor" })
