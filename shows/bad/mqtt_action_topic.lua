-- checks: a cue's MQTT action names a topic it can publish to. expect line 6: cue 1: mqtt: the topic must be a topic to publish to
show { name = "MQTT action topic" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
mqtt { host = "127.0.0.1" }
cuelist "Main" {
  cue { 1, "Door", mqtt = { topic = "venue/+/door", payload = "open" },
        look = { a = { intensity = 1 } } },
}
