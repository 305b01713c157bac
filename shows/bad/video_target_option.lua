-- checks: a video target's options are the adapter's table's. expect line 3: video_target "wall": transport: must be one of tcp/udp, not "sctp"
show { name = "Video target option" }
video_target { "wall", url = "rtsp://10.0.0.9/clip", transport = "sctp" }
