-- checks: an audio option out of range names its limits. expect line 3: audio: buffer: must be a whole number 64..8192
show { name = "Audio option" }
audio { buffer = 3 }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
