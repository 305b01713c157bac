-- checks: cues name targets, declared once with their URL. expect line 4: cue 1: video: name a video_target (declared once with its url), not a URL
show { name = "Video action URL" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" { cue { 1, "Storm", video = { "rtsp://127.0.0.1:8554/storm", "play" } } }
