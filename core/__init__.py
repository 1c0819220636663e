"""The domain both adapters call: settings, rules, the confession lifecycle, the queues."""
