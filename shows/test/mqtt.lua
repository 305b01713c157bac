-- mqtt.lua - the MQTT test show (tests/integration/mqtt_*.sh,
-- bench/mqtt_latency.sh). Eight dimmers on universe 1 (slots 1..8), one
-- fader per dimmer, a manual cue list whose cues put known levels on slot 1:
--   cue 1 "Warm"  dim 1 at 0.2  (slot 1 = 51)
--   cue 2 "Storm" dim 1 at 1.0  (slot 1 = 255)
--   cue 3 "Calm"  dim 1 at 0.5  (slot 1 = 128)
-- a second list "FX/2" (published and commanded as the topic level FX_2),
-- and "Chase", looping fades on slot 3 for the frame-rate checks.
-- Cues 2 and 3 publish when they fire (~/cue is under the base; a table
-- payload goes out as JSON); on_mqtt answers the doors on venue/ack and
-- fails on purpose for "crash".
-- Nothing runs until a command says GO. sACN unicast to 127.0.0.1. The
-- broker comes from the command line (--mqtt mqtt://127.0.0.1:PORT); the
-- base is fixed so the tests know their topics.

show { name = "MQTT test", rate = 44 }

output { "sacn", type = "sacn", universes = {1}, unicast = "127.0.0.1", priority = 100 }

osc { enabled = false }
mqtt { base = "gltest", keepalive = 5, reconnect_max = 2, rate_limit = 500, discovery = true }

patch { "dim", type = "generic/dimmer", universe = 1, address = 1, count = 8 }

for i = 1, 8 do
  fader(i, { group = "dim " .. i, label = "Dim " .. i })
end

cuelist "Main" {
  cue { 1, "Warm",  look = { ["dim 1"] = { intensity = 0.2 } } },
  cue { 2, "Storm", look = { ["dim 1"] = { intensity = 1.0 } },
        mqtt = { { "~/cue", "storm" },
                 { topic = "venue/fog", payload = 1, qos = 1, retain = true } } },
  cue { 3, "Calm",  look = { ["dim 1"] = { intensity = 0.5 } },
        mqtt = { topic = "venue/video", payload = { clip = "calm", level = 0.5 } } },
}

cuelist "FX/2" {
  cue { 1, "Flash", look = { ["dim 2"] = { intensity = 1.0 } } },
}

-- a chase that keeps slot 3 changing, so sACN goes out every tick (an
-- unchanged universe is only repeated about once a second)
cuelist "Chase" { loop = true,
  cue { 1, "Up",   fade = 1, follow = true, look = { ["dim 3"] = { intensity = 1.0 } } },
  cue { 2, "Down", fade = 1, follow = true, look = { ["dim 3"] = { intensity = 0.0 } } },
}

-- the show's own topics: any door's message is answered, retained ones too
on_mqtt("venue/door/+", function(topic, payload, retained)
  if payload == "crash" then error("door handler failed on purpose") end
  local door = topic:match("([^/]+)$")
  mqtt.publish("venue/ack", door .. " " .. payload .. (retained and " (retained)" or ""))
end)
