-- checks: devamp on a sound that does not loop is refused. expect line 5: cue 1: audio: devamp leaves a loop
show { name = "Audio devamp" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, audio = { "sounds/rain.wav", devamp = true } },
}
