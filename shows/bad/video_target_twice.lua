-- checks: a video target is declared once. expect line 4: video_target "wall": declared twice (first at line 3)
show { name = "Video target twice" }
video_target { "wall", url = "rtsp://10.0.0.9/clip" }
video_target { "wall", url = "rtsp://10.0.0.10/clip" }
