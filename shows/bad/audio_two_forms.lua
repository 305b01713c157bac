-- checks: one audio action is one thing (play, fade, stop, pause or resume). expect line 5: cue 1: audio: give a sound to play
show { name = "Audio two forms" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, audio = { "sounds/rain.wav", pause = "rain" } },
}
