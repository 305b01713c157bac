-- checks: tls takes ca, cert and key by name. expect line 3: mqtt: tls: give true, or { ca = FILE, cert = FILE, key = FILE }
show { name = "MQTT TLS table" }
mqtt { host = "broker.local", tls = { ca = "ca.crt", pem = "client.pem" } }
