-- checks: on_mqtt takes a valid MQTT topic filter. expect line 3: on_mqtt: the first argument must be a topic filter
show { name = "on_mqtt filter" }
on_mqtt("venue/#/door", function() end)
