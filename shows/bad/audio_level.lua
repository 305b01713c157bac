-- checks: a sound's level is in dB, within -120..12. expect line 5: cue 1: audio: level must be a number -120..12, not 20
show { name = "Audio level" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, audio = { "sounds/rain.wav", level = 20 } },
}
