"""Log streams: a tenant's audit entries delivered, in `seq` order, to its SIEM.

`models` (the stream table), `secrets` (destination secrets encrypted at rest), `service` (what
the API does with streams), `destinations` (a stream's configuration as the engine's
destination), `health` (status and lag as the API shows them), `delivery` (the deliverer: one
loop per stream this process holds the lease of), `sidecar` (the deliverer in a child process of
the server's own, by default).
"""
