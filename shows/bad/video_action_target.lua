-- checks: a cue's video action names a declared target (checked when the show is built). expect line 5: cue 1: video: no video_target "wal"
show { name = "Video action target" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
video_target { "wall", url = "rtsp://10.0.0.9/clip" }
cuelist "Main" { cue { 1, "Roll", video = { "wal", "play" }, look = { a = { intensity = 1 } } } }
