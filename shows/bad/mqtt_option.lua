-- checks: the MQTT adapter's own check of its options, at the declaration's line. expect line 3: mqtt: qos: must be a whole number 0..2, not "3"
show { name = "MQTT option" }
mqtt { host = "127.0.0.1", qos = 3 }
