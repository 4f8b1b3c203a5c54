// vigil serve: the accelerator service. Listens on --listen, authenticates
// clients against --allow (reloaded on SIGHUP), coalesces their requests
// onto --engine and exposes Prometheus metrics on --metrics. Start-up
// errors (bad key, allowlist line, address, TLS files) name the file and
// line and exit 2; once serving, bad input is answered and counted.
#include <prometheus/exposer.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "command.hpp"
#include "drivers/accel/accelerator.hpp"
#include "host/service/server.hpp"

namespace {

using namespace vigil;

struct Options {
  std::string listen, key, allow, engine = "auto", metrics, tls_cert, tls_key;
  uint32_t max_batch = 16384, preferred = 256, delay_us = 500, express = 4, in_flight = 64;
  unsigned workers = 0;
};

int serve(const Options& o) {
  // Logs go to standard error: standard output carries the port line only,
  // and a reader that closes it must not kill the server (nor a peer that
  // resets a socket mid-write).
  spdlog::set_default_logger(spdlog::stderr_color_mt("vigil-serve"));
  ::signal(SIGPIPE, SIG_IGN);
  service::ServerOptions so;
  so.listen = o.listen;
  if (std::string why = service::load_key_file(o.key, so.key); !why.empty()) {
    std::fprintf(stderr, "vigil serve: --key %s\n", why.c_str());
    return 2;
  }
  if (std::string why = service::load_allowlist(o.allow, so.allow); !why.empty()) {
    std::fprintf(stderr, "vigil serve: --allow %s\n", why.c_str());
    return 2;
  }
  accel::Options ao;
  ao.workers = o.workers ? o.workers : std::max(1u, std::thread::hardware_concurrency());
  ao.max_in_flight = ao.workers + 2;
  std::string why;
  auto engine = accel::make_accelerator(o.engine, ao, &why);
  if (!engine) {
    std::fprintf(stderr, "vigil serve: engine %s unavailable: %s\n", o.engine.c_str(), why.c_str());
    return 2;
  }
  so.limits.max_batch = o.max_batch;
  so.limits.max_in_flight = o.in_flight;
  so.coalescer.preferred_batch = o.preferred;
  so.coalescer.max_delay = std::chrono::microseconds(o.delay_us);
  so.coalescer.express_items = o.express;
  so.coalescer.flights = ao.workers + 2;
  so.tls_cert = o.tls_cert;
  so.tls_key = o.tls_key;
  auto server = service::Server::start(*engine, so, &why);
  if (!server) {
    std::fprintf(stderr, "vigil serve: %s\n", why.c_str());
    return 2;
  }
  std::unique_ptr<prometheus::Exposer> exposer;
  if (!o.metrics.empty()) {
    try {
      exposer = std::make_unique<prometheus::Exposer>(o.metrics);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vigil serve: --metrics %s: %s\n", o.metrics.c_str(), e.what());
      return 2;
    }
    exposer->RegisterCollectable(server->metrics().registry());
  }
  // The chosen port on its own line first, so scripts that pass port 0 can read it.
  std::printf("listening %u\n", unsigned(server->port()));
  std::fflush(stdout);
  spdlog::info("vigil serve: {} on port {}, engine {}, {} keys{}", o.listen, server->port(),
               engine->capabilities().name, so.allow.size(), so.tls_cert.empty() ? "" : ", TLS");
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig != SIGHUP) return signals_io.stop();
        service::Allowlist fresh;
        if (std::string err = service::load_allowlist(o.allow, fresh); !err.empty()) {
          spdlog::error("vigil serve: SIGHUP: {}; keeping the old allowlist", err);
        } else {
          server->reload(std::move(fresh));
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  signals_io.run();
  spdlog::info("vigil serve: stopping");
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"serve", "Serve the verification engine to allowlisted clients over TCP", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--listen", o->listen, "HOST:PORT (port 0: any free port)")->required();
       app.add_option("--key", o->key, "the server's key file (a `vigil keygen` line)")->required();
       app.add_option("--allow", o->allow,
                      "allowlist: a client key (hex) per line [SIGS/S [IN_FLIGHT]]")
           ->required();
       app.add_option("--engine", o->engine, "auto, cpu, opencl[:SEL] or cuda[:N]");
       app.add_option("--metrics", o->metrics, "HOST:PORT of the Prometheus endpoint");
       app.add_option("--tls-cert", o->tls_cert, "PEM certificate chain: serve over TLS");
       app.add_option("--tls-key", o->tls_key, "PEM private key of --tls-cert");
       app.add_option("--max-batch", o->max_batch, "signatures per request at most")
           ->check(CLI::Range(1u, unsigned(VIGIL_SVC_MAX_BATCH)));
       app.add_option("--preferred-batch", o->preferred, "coalesced batch size to aim at")
           ->check(CLI::Range(1u, unsigned(VIGIL_SVC_MAX_BATCH)));
       app.add_option("--max-delay-us", o->delay_us, "longest a request waits to be coalesced");
       app.add_option("--express", o->express,
                      "requests of at most this many signatures skip the wait");
       app.add_option("--max-in-flight", o->in_flight, "requests in flight per client")
           ->check(CLI::Range(1u, 65536u));
       app.add_option("--workers", o->workers, "engine worker threads (0: one per core)");
       app.callback([=] { vigil::tool::exit_status() = serve(*o); });
     }});

}  // namespace
