-- checks: a video target's URL is checked by the RTSP adapter at the declaring line. expect line 3: video_target "wall": url: "http://10.0.0.9/clip" is not rtsp://host[:port]/path
show { name = "Video target URL" }
video_target { "wall", url = "http://10.0.0.9/clip" }
