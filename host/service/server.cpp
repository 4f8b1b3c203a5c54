#include "host/service/server.hpp"

#include <spdlog/spdlog.h>
#include <sys/random.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "host/service/endpoint.hpp"

namespace vigil::service {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// One allowlisted key: its quota and what it uses of it, shared by all of
// that key's connections.
struct ClientState {
  uint32_t id = 0;
  std::string label;
  std::mutex mu;
  Quota quota;
  bool removed = false;
  uint32_t in_flight = 0;
  double tokens = 0;
  Clock::time_point refill{};

  // Takes `n` signatures and one in-flight slot, or says why not.
  bool admit(uint32_t n, uint32_t max_in_flight) {
    std::lock_guard lk(mu);
    const uint32_t cap = quota.in_flight ? quota.in_flight : max_in_flight;
    if (in_flight >= cap) return false;
    if (quota.sigs_per_sec) {
      const auto now = Clock::now();
      const double rate = double(quota.sigs_per_sec);
      tokens = std::min(rate, tokens + rate * std::chrono::duration<double>(now - refill).count());
      refill = now;
      // A request larger than a second's budget passes once the bucket is full.
      if (tokens < std::min<double>(n, rate)) return false;
      tokens -= n;
    }
    ++in_flight;
    return true;
  }
  void release() {
    std::lock_guard lk(mu);
    --in_flight;
  }
};

struct Counters {
  std::atomic<uint64_t> connections{0}, authenticated{0}, unauthenticated{0}, wrong_proof{0},
      bad_handshake{0}, handshake_timeout{0}, malformed{0}, too_large{0}, overloaded{0}, quota{0},
      deadline{0}, verified_requests{0}, verified_signatures{0}, idle_timeout{0}, read_timeout{0},
      dropped_by_reload{0};
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  virtual void close_if_removed() = 0;
  virtual void close_now() = 0;
};

}  // namespace

struct Server::Impl {
  accel::Accelerator& engine;
  ServerOptions opts;
  ServiceMetrics metrics;
  std::unique_ptr<Coalescer> coalescer;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<std::thread> threads;
  Counters counters;
  vigil_svc_caps caps{};

  std::mutex mu;  // clients, sessions
  std::map<crypto::PublicKey, std::shared_ptr<ClientState>> clients;
  uint32_t next_client_id = 0;
  std::list<std::weak_ptr<SessionBase>> sessions;
  std::atomic<unsigned> open{0};

  Impl(accel::Accelerator& e, ServerOptions o)
      : engine(e),
        opts(std::move(o)),
        coalescer(std::make_unique<Coalescer>(e, opts.coalescer, &metrics)) {}

  void set_allowlist(const Allowlist& allow) {
    std::lock_guard lk(mu);
    for (auto& [key, c] : clients) {
      std::lock_guard clk(c->mu);
      c->removed = !allow.count(key);
    }
    for (const auto& [key, quota] : allow) {
      auto& c = clients[key];
      if (!c) {
        c = std::make_shared<ClientState>();
        c->id = next_client_id++;
        c->label = key_label(key);
      }
      std::lock_guard clk(c->mu);
      c->quota = quota;
      c->removed = false;
      c->tokens = double(quota.sigs_per_sec);
      c->refill = Clock::now();
    }
  }

  std::shared_ptr<ClientState> find(const crypto::PublicKey& key) {
    std::lock_guard lk(mu);
    auto it = clients.find(key);
    if (it == clients.end()) return nullptr;
    std::lock_guard clk(it->second->mu);
    return it->second->removed ? nullptr : it->second;
  }

  void refuse(std::atomic<uint64_t>& counter, std::string_view reason) {
    ++counter;
    metrics.refusal(reason);
  }

  void accept();
  template <typename Stream>
  void launch(std::shared_ptr<SessionBase> s);
};

namespace {

template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Server::Impl& srv, Stream stream)
      : srv_(srv), stream_(std::move(stream)), timer_(stream_.get_executor()) {}
  ~Session() override {
    srv_.metrics.connections(-1);
    --srv_.open;
  }

  void start() override {
    srv_.metrics.connections(+1);
    arm(srv_.opts.handshake_timeout, [](Session& s) {
      s.srv_.refuse(s.srv_.counters.handshake_timeout, "handshake_timeout");
      s.close_now();
    });
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      send_hello();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->close_now();
                                self->send_hello();
                              });
    }
  }

  void close_if_removed() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->client_) return;
      bool removed;
      {
        std::lock_guard lk(self->client_->mu);
        removed = self->client_->removed;
      }
      if (removed) {
        ++self->srv_.counters.dropped_by_reload;
        self->close_now();
      }
    });
  }

  void close_now() override {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ec;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    stream_.lowest_layer().close(ec);
  }

 private:
  using Self = Session<Stream>;

  template <typename F>
  void arm(std::chrono::milliseconds after, F on_expiry) {
    timer_.expires_after(after);
    timer_.async_wait([self = this->shared_from_this(), on_expiry](error_code ec) {
      if (!ec && !self->closed_) on_expiry(*self);
    });
  }

  void send_hello() {
    std::array<uint8_t, VIGIL_SVC_CHALLENGE_LEN> challenge;
    if (getrandom(challenge.data(), challenge.size(), 0) != ssize_t(challenge.size()))
      return close_now();
    hello_ = make_hello(srv_.opts.key.public_key, challenge);
    std::vector<uint8_t> out(sizeof(hello_));
    std::memcpy(out.data(), &hello_, sizeof(hello_));
    send(std::move(out));
    asio::async_read(stream_, asio::buffer(auth_buf_),
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->close_now();
                       self->on_auth();
                     });
  }

  void on_auth() {
    vigil_svc_auth auth;
    if (!parse_auth(auth_buf_, auth)) {
      srv_.refuse(srv_.counters.bad_handshake, "bad_handshake");
      return answer_and_close(VIGIL_SVC_AUTH, VIGIL_ERR_MALFORMED, 0, 0);
    }
    crypto::PublicKey key;
    std::copy(std::begin(auth.client_key), std::end(auth.client_key), key.begin());
    // The allowlist first: an unknown key costs the server no verify.
    auto client = srv_.find(key);
    if (!client) {
      srv_.refuse(srv_.counters.unauthenticated, "unauthenticated");
      return answer_and_close(VIGIL_SVC_AUTH, VIGIL_ERR_UNAUTHENTICATED, 0, 0);
    }
    if (!auth_proof_ok(auth, hello_)) {
      srv_.refuse(srv_.counters.wrong_proof, "wrong_proof");
      return answer_and_close(VIGIL_SVC_AUTH, VIGIL_ERR_UNAUTHENTICATED, 0, 0);
    }
    client_ = std::move(client);
    ++srv_.counters.authenticated;
    spdlog::debug("service: client {} authenticated", client_->label);
    std::vector<uint8_t> out;
    encode_response_hdr(out, VIGIL_SVC_AUTH, VIGIL_OK, 0, 0, sizeof(vigil_svc_caps));
    const auto* c = reinterpret_cast<const uint8_t*>(&srv_.caps);
    out.insert(out.end(), c, c + sizeof(vigil_svc_caps));
    send(std::move(out));
    read_header();
  }

  void read_header() {
    if (closed_ || close_after_write_) return;
    // Too many answers the client has not read: stop reading its requests
    // (TCP backpressure) until they drain.
    if (outbox_.size() > srv_.opts.limits.max_in_flight + 4) {
      paused_ = true;
      return;
    }
    arm_idle();
    asio::async_read(stream_, asio::buffer(&hdr_, sizeof(hdr_)),
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->close_now();
                       self->on_header();
                     });
  }

  void arm_idle() {
    arm(std::chrono::milliseconds(srv_.opts.limits.idle_timeout_ms), [](Session& s) {
      if (s.pending_ > 0) return s.arm_idle();  // waiting for our answers is not idle
      s.srv_.refuse(s.srv_.counters.idle_timeout, "idle_timeout");
      s.close_now();
    });
  }

  void on_header() {
    received_ = Clock::now();
    const HeaderCheck check = check_request_header(hdr_, srv_.opts.limits);
    if (check.close) {
      srv_.refuse(
          check.status == VIGIL_ERR_TOO_LARGE ? srv_.counters.too_large : srv_.counters.malformed,
          check.status == VIGIL_ERR_TOO_LARGE ? "too_large" : "malformed");
      return answer_and_close(hdr_.type, check.status, hdr_.count, hdr_.request_id);
    }
    body_.resize(hdr_.body_len);
    arm(srv_.opts.read_timeout, [](Session& s) {
      s.srv_.refuse(s.srv_.counters.read_timeout, "read_timeout");
      s.close_now();
    });
    asio::async_read(stream_, asio::buffer(body_),
                     [self = this->shared_from_this(), check](error_code ec, size_t) {
                       if (ec) return self->close_now();
                       self->on_body(check.status);
                     });
  }

  void on_body(vigil_error header_status) {
    const auto& h = hdr_;
    if (h.type == VIGIL_SVC_PING) {
      answer(VIGIL_SVC_PING, VIGIL_OK, 0, h.request_id);
    } else if (h.type == VIGIL_SVC_CAPS) {
      std::vector<uint8_t> out;
      encode_response_hdr(out, VIGIL_SVC_CAPS, VIGIL_OK, 0, h.request_id, sizeof(srv_.caps));
      const auto* c = reinterpret_cast<const uint8_t*>(&srv_.caps);
      out.insert(out.end(), c, c + sizeof(srv_.caps));
      send(std::move(out));
    } else if (header_status != VIGIL_OK) {
      if (header_status == VIGIL_ERR_TOO_LARGE) srv_.refuse(srv_.counters.too_large, "too_large");
      count(header_status, h.count);
      answer(VIGIL_SVC_VERIFY, header_status, h.count, h.request_id);
    } else {
      verify();
    }
    read_header();
  }

  void verify() {
    const auto& h = hdr_;
    auto job = std::make_unique<Job>();
    job->body = std::move(body_);
    const vigil_error parsed = parse_verify_body(h.count, job->body, srv_.opts.limits, job->items);
    if (parsed == VIGIL_ERR_MALFORMED) {
      srv_.refuse(srv_.counters.malformed, "malformed");
      count(parsed, h.count);
      return answer_and_close(VIGIL_SVC_VERIFY, parsed, h.count, h.request_id);
    }
    if (parsed != VIGIL_OK) {
      srv_.refuse(srv_.counters.too_large, "too_large");
      count(parsed, h.count);
      return answer(VIGIL_SVC_VERIFY, parsed, h.count, h.request_id);
    }
    if (!client_->admit(h.count, srv_.opts.limits.max_in_flight)) {
      srv_.refuse(srv_.counters.quota, "quota");
      count(VIGIL_ERR_OVERLOADED, h.count);
      return answer(VIGIL_SVC_VERIFY, VIGIL_ERR_OVERLOADED, h.count, h.request_id);
    }
    job->client = client_->id;
    job->rules = crypto::Rules(h.rules);
    job->received = received_;
    if (h.deadline_us) job->deadline = received_ + std::chrono::microseconds(h.deadline_us);
    const uint64_t id = h.request_id;
    const uint32_t n = h.count;
    const auto received = received_;
    job->done = [self = this->shared_from_this(), id, n, received](Verdicts&& v) {
      asio::post(self->stream_.get_executor(), [self, id, n, received, v = std::move(v)] {
        self->client_->release();
        --self->pending_;
        self->count(v.status, n);
        self->srv_.metrics.latency(std::chrono::duration<double>(Clock::now() - received).count());
        if (v.status == VIGIL_OK) {
          ++self->srv_.counters.verified_requests;
          self->srv_.counters.verified_signatures += n;
          std::vector<uint8_t> out;
          encode_verify_response(out, id, n, v.verdict, v.errors);
          self->send(std::move(out));
        } else {
          if (v.status == VIGIL_ERR_DEADLINE) ++self->srv_.counters.deadline;
          self->answer(VIGIL_SVC_VERIFY, v.status, n, id);
        }
      });
    };
    ++pending_;
    if (srv_.coalescer->submit(job) != VIGIL_OK) {
      --pending_;
      client_->release();
      srv_.refuse(srv_.counters.overloaded, "overloaded");
      count(VIGIL_ERR_OVERLOADED, n);
      answer(VIGIL_SVC_VERIFY, VIGIL_ERR_OVERLOADED, n, id);
    }
  }

  void count(vigil_error status, uint32_t n) {
    srv_.metrics.request(client_ ? client_->label : "unknown", status, n);
  }

  void answer(uint8_t type, vigil_error status, uint32_t n, uint64_t id) {
    std::vector<uint8_t> out;
    encode_response_hdr(out, type, status, n, id, 0);
    send(std::move(out));
  }

  void answer_and_close(uint8_t type, vigil_error status, uint32_t n, uint64_t id) {
    answer(type, status, n, id);
    close_after_write_ = true;
  }

  void send(std::vector<uint8_t> bytes) {
    if (closed_) return;
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1) write_next();
  }

  void write_next() {
    asio::async_write(stream_, asio::buffer(outbox_.front()),
                      [self = this->shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->close_now();
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty()) return self->write_next();
                        if (self->close_after_write_) return self->close_now();
                        if (self->paused_) {
                          self->paused_ = false;
                          self->read_header();
                        }
                      });
  }

  Server::Impl& srv_;
  Stream stream_;
  asio::steady_timer timer_;
  vigil_svc_hello hello_{};
  std::array<uint8_t, sizeof(vigil_svc_auth)> auth_buf_{};
  std::shared_ptr<ClientState> client_;
  vigil_svc_request_hdr hdr_{};
  std::vector<uint8_t> body_;
  Clock::time_point received_{};
  std::deque<std::vector<uint8_t>> outbox_;
  uint32_t pending_ = 0;
  bool closed_ = false, close_after_write_ = false, paused_ = false;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      ++counters.connections;
      if (open.load() >= opts.max_connections) {
        metrics.refusal("too_many_connections");
      } else {
        ++open;
        sock.set_option(tcp::no_delay(true));
        std::shared_ptr<SessionBase> s;
        if (tls) {
          s = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
              *this, asio::ssl::stream<tcp::socket>(std::move(sock), *tls));
        } else {
          s = std::make_shared<Session<tcp::socket>>(*this, std::move(sock));
        }
        {
          std::lock_guard lk(mu);
          sessions.remove_if([](const auto& w) { return w.expired(); });
          sessions.push_back(s);
        }
        s->start();
      }
    }
    accept();
  });
}

std::unique_ptr<Server> Server::start(accel::Accelerator& engine, ServerOptions opts,
                                      std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<Server> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  tcp::endpoint where;
  if (std::string why = parse_endpoint(opts.listen, where); !why.empty()) return fail(why);
  const auto& ec = engine.capabilities();
  opts.limits.max_batch =
      std::min({opts.limits.max_batch, ec.max_batch, uint32_t(VIGIL_SVC_MAX_BATCH)});
  opts.limits.max_body = std::min(opts.limits.max_body, uint32_t(VIGIL_SVC_MAX_BODY));
  opts.coalescer.max_batch = opts.limits.max_batch;
  opts.coalescer.max_batch_bytes = std::max(opts.coalescer.max_batch_bytes, opts.limits.max_body);
  if (ec.max_msg_bytes)
    opts.coalescer.max_batch_bytes = std::min(opts.coalescer.max_batch_bytes, ec.max_msg_bytes);
  if (opts.coalescer.max_batch_bytes < opts.limits.max_body)
    opts.limits.max_body = opts.coalescer.max_batch_bytes;
  auto impl = std::make_unique<Impl>(engine, std::move(opts));
  impl->caps = make_caps(impl->opts.limits, ec.caps, ec.name);
  impl->set_allowlist(impl->opts.allow);
  if (!impl->opts.tls_cert.empty() || !impl->opts.tls_key.empty()) {
    if (impl->opts.tls_cert.empty() || impl->opts.tls_key.empty())
      return fail("TLS needs both --tls-cert and --tls-key");
    impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    error_code e;
    impl->tls->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                           asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    impl->tls->use_certificate_chain_file(impl->opts.tls_cert, e);
    if (e) return fail(impl->opts.tls_cert + ": " + e.message());
    impl->tls->use_private_key_file(impl->opts.tls_key, asio::ssl::context::pem, e);
    if (e) return fail(impl->opts.tls_key + ": " + e.message());
  }
  error_code e;
  impl->acceptor.open(where.protocol(), e);
  if (!e) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), e);
  if (!e) impl->acceptor.bind(where, e);
  if (!e) impl->acceptor.listen(asio::socket_base::max_listen_connections, e);
  if (e) return fail("cannot listen on " + impl->opts.listen + ": " + e.message());
  impl->accept();
  for (unsigned i = 0; i < std::max(1u, impl->opts.io_threads); ++i)
    impl->threads.emplace_back([p = impl.get()] { p->io.run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  asio::post(impl_->io, [p = impl_.get()] {
    error_code ec;
    p->acceptor.close(ec);
    std::lock_guard lk(p->mu);
    for (auto& w : p->sessions)
      if (auto s = w.lock()) asio::post(p->io, [s] { s->close_now(); });
  });
  // Sessions still waiting on verdicts keep the io_context busy; the
  // coalescer answers them, so stopping after a grace period loses nothing
  // but answers to connections we are closing anyway.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  // Answers what is still queued (into the stopped io_context, whose
  // destruction then releases the sessions), before the engine goes.
  impl_->coalescer.reset();
}

uint16_t Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::reload(Allowlist allow) {
  impl_->set_allowlist(allow);
  std::lock_guard lk(impl_->mu);
  for (auto& w : impl_->sessions)
    if (auto s = w.lock()) s->close_if_removed();
  spdlog::info("service: allowlist reloaded, {} keys", allow.size());
}

ServerStats Server::stats() const {
  const auto& c = impl_->counters;
  ServerStats s;
  s.connections = c.connections;
  s.authenticated = c.authenticated;
  s.unauthenticated = c.unauthenticated;
  s.wrong_proof = c.wrong_proof;
  s.bad_handshake = c.bad_handshake;
  s.handshake_timeout = c.handshake_timeout;
  s.malformed = c.malformed;
  s.too_large = c.too_large;
  s.overloaded = c.overloaded;
  s.quota = c.quota;
  s.deadline = c.deadline;
  s.verified_requests = c.verified_requests;
  s.verified_signatures = c.verified_signatures;
  s.idle_timeout = c.idle_timeout;
  s.read_timeout = c.read_timeout;
  s.dropped_by_reload = c.dropped_by_reload;
  return s;
}

ServiceMetrics& Server::metrics() {
  return impl_->metrics;
}
CoalescerStats Server::coalescer_stats() const {
  return impl_->coalescer->stats();
}

}  // namespace vigil::service
