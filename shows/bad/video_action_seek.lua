-- checks: a seek says where to. expect line 5: cue 1: video: seek needs at = seconds
show { name = "Video action seek" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
video_target { "wall", url = "rtsp://10.0.0.9/clip" }
cuelist "Main" { cue { 1, "Jump", video = { "wall", "seek" }, look = { a = { intensity = 1 } } } }
