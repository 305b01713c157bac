-- checks: a fade names a sound that no cue plays. expect line 6: cue 2: audio fade: no sound is named "rian"
show { name = "Audio unknown sound" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, audio = { "sounds/rain.wav", loop = true } },
  cue { 2, audio = { fade = "rian", level = -20, time = 3 } },
}
