#pragma once
// The engine for the cloud platforms' plain-http metadata endpoints (EC2 IMDS, the ECS / EKS
// container endpoint, the GCE metadata server, Azure IMDS): short timeouts and few retries, so
// that off the platform a chain that falls back to it fails in seconds, not after the store's
// three-minute retry budget: 1 s connect timeout, 5 s per attempt, 2 retries within 10 s. One
// per process, created on first use and never destroyed (its callbacks may drop the last
// reference to a provider, and an engine must not be destroyed from its own loop thread).
#include <memory>

#include "http/engine.hpp"

namespace tdump::store {

std::shared_ptr<http::Engine> metadata_engine();

}  // namespace tdump::store
