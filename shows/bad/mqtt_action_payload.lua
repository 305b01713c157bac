-- checks: an MQTT payload is text, a number, a boolean or a table (JSON). expect line 5: cue 1: mqtt: the payload is a function
show { name = "MQTT action payload" }
patch { "a", type = "generic/dimmer", universe = 1, address = 1 }
cuelist "Main" {
  cue { 1, "Door", mqtt = { "venue/door", function() end } },
}
