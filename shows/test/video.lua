-- video.lua - the RTSP video test show (tests/integration/rtsp_*.sh,
-- bench/rtsp_latency.sh), against tests/tools/rtsp_server.py on
-- 127.0.0.1:8554. Two video targets, both set up when the show starts:
-- "wall" (/clip, RTP interleaved on the RTSP connection) and "side"
-- (/clip2, RTP to UDP ports). The manual list "Video" drives them, each cue
-- with its own level on slot 1 so the wire shows it fired:
--   cue 1 "Roll"  wall plays from 5 s, side from the start   (slot 1 = 51)
--   cue 2 "Jump"  wall seeks to 60 s                          (102)
--   cue 3 "Hold"  wall pauses                                 (153)
--   cue 4 "Again" wall resumes                                (204)
--   cue 5 "Out"   both stop (and are set up again)            (255)
-- /test/seek S (OSC) seeks side to S seconds from Lua (rtsp.seek).
-- "Chase" loops fades on slot 3 from the start, so sACN goes out every
-- tick (the frame-gap checks). sACN unicast to 127.0.0.1.

show { name = "Video test", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1", priority = 100 }

osc { port = 7700, allow = {"127.0.0.0/8"} }
rtsp { reply_timeout = 2, connect_timeout = 2, retry_min = 0.2, retry_max = 1, keepalive = 5 }

video_target { "wall", url = "rtsp://127.0.0.1:8554/clip", preload = true }
video_target { "side", url = "rtsp://127.0.0.1:8554/clip2", transport = "udp" }

patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 4 }

cuelist "Video" {
  cue { 1, "Roll",  look = { ["dim 1"] = { intensity = 0.2 } },
        video = { { "wall", "play", at = 5 }, { "side", "play" } } },
  cue { 2, "Jump",  look = { ["dim 1"] = { intensity = 0.4 } },
        video = { target = "wall", action = "seek", at = 60 } },
  cue { 3, "Hold",  look = { ["dim 1"] = { intensity = 0.6 } }, video = { "wall", "pause" } },
  cue { 4, "Again", look = { ["dim 1"] = { intensity = 0.8 } }, video = { "wall", "resume" } },
  cue { 5, "Out",   look = { ["dim 1"] = { intensity = 1.0 } },
        video = { { "wall", "stop" }, { "side", "stop" } } },
}

cuelist "Chase" { loop = true,
  cue { 1, "Up",   fade = 1, follow = true, look = { ["dim 3"] = { intensity = 1.0 } } },
  cue { 2, "Down", fade = 1, follow = true, look = { ["dim 3"] = { intensity = 0.0 } } },
}

on_osc("/test/seek", function(address, seconds)
  local ok, why = rtsp.seek("side", seconds)
  if not ok then error("rtsp.seek: " .. why) end
end)

go("Chase")
