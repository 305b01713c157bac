-- checks: an output type the registry does not know. expect line 3: output "o": unknown output type "dmx-over-pigeon"
show { name = "Unknown output type" }
output { "o", type = "dmx-over-pigeon", universes = {1} }
