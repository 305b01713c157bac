-- checks: video targets are capped. expect line 4: video_target: at most 16 of them
show { name = "Too many video targets" }
for i = 1, 17 do
  video_target { "t" .. i, url = "rtsp://10.0.0.9/clip" .. i }
end
