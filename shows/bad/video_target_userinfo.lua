-- checks: a password never sits in a URL (URLs are printed). expect line 3: video_target "wall": url: give user = and password = instead of user:password@ in the URL
show { name = "Video target password in URL" }
video_target { "wall", url = "rtsp://show:secret@10.0.0.9/clip" }
