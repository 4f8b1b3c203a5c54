#include "host/client/client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "host/service/endpoint.hpp"
#include "host/service/wire.hpp"

namespace vigil::client {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t ping_bit = 1ull << 63;  // request ids of heartbeats

struct Attempt {
  uint64_t id = 0;
  std::shared_ptr<const std::vector<uint8_t>> bytes;  // the whole request
  uint32_t count = 0;
  crypto::Rules rules{};
  Clock::time_point deadline{};
  std::unique_ptr<asio::steady_timer> timer;
  std::vector<bool> tried;  // per server
  int conn = -1;            // where it waits now, -1: nowhere
  Client::Callback done;
  bool finished = false;
};
using AttemptPtr = std::shared_ptr<Attempt>;

// The stream of one connection: plain TCP or TLS over it.
struct Stream {
  tcp::socket sock;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
  template <typename F>
  void with(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(sock);
    }
  }
};

struct Conn {
  int index = 0;
  tcp::endpoint ep;
  enum class State { down, connecting, ready } state = State::down;
  std::unique_ptr<Stream> stream;
  uint64_t generation = 0;  // bumps on every (re)connect: stale handlers stop
  std::map<uint64_t, AttemptPtr> pending;
  std::deque<AttemptPtr> waiting;  // queued while connecting
  std::deque<std::shared_ptr<const std::vector<uint8_t>>> outbox;
  vigil_svc_caps caps{};
  std::chrono::milliseconds backoff{0};
  Clock::time_point next_try{};
  bool ping_outstanding = false;
  Clock::time_point last_heard{};  // the last answer of any kind
  vigil_svc_hello hello{};
  std::array<uint8_t, sizeof(vigil_svc_hello)> hello_buf{};
  vigil_svc_response_hdr hdr{};
  std::vector<uint8_t> body;
  std::unique_ptr<asio::steady_timer> connect_timer;
};

}  // namespace

struct Client::Impl {
  ClientOptions opts;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<Conn> conns;
  size_t rr = 0;
  uint64_t next_id = 1;
  asio::steady_timer heartbeat{io};
  std::thread io_thread;

  mutable std::mutex mu;  // stats; local queue
  ClientStats st;
  std::condition_variable local_cv;
  std::deque<AttemptPtr> local_queue;
  bool stopping = false;
  std::thread local_thread;

  void bump(uint64_t ClientStats::*field) {
    std::lock_guard lk(mu);
    ++(st.*field);
  }

  // ---- scheduling (I/O thread) ----

  void submit(const AttemptPtr& a) {
    if (a->finished) return;
    const auto now = Clock::now();
    const size_t n = conns.size();
    Conn* pick = nullptr;
    // A ready server with room first, round robin; then one to (re)connect.
    for (size_t k = 0; k < n && !pick; ++k) {
      Conn& c = conns[(rr + k) % n];
      if (a->tried[c.index] || c.state != Conn::State::ready) continue;
      if (c.pending.size() >= std::max<uint32_t>(1, c.caps.max_in_flight)) continue;
      if (a->count > c.caps.max_batch ||
          a->bytes->size() - sizeof(vigil_svc_request_hdr) > c.caps.max_body)
        continue;
      pick = &c;
    }
    // Then one being (re)connected, or a ready one at its in-flight limit:
    // the request waits there, in the client, until a slot frees.
    for (size_t k = 0; k < n && !pick; ++k) {
      Conn& c = conns[(rr + k) % n];
      if (a->tried[c.index]) continue;
      if (c.state == Conn::State::connecting || c.state == Conn::State::ready ||
          (c.state == Conn::State::down && now >= c.next_try))
        pick = &c;
    }
    ++rr;
    if (!pick) return local(a);
    a->tried[pick->index] = true;
    a->conn = pick->index;
    pick->waiting.push_back(a);
    if (pick->state == Conn::State::down) connect(*pick);
    if (pick->state == Conn::State::ready) drain(*pick);
  }

  // Sends waiting requests while the server allows more in flight.
  void drain(Conn& c) {
    const size_t room = std::max<uint32_t>(1, c.caps.max_in_flight);
    while (!c.waiting.empty() && c.pending.size() < room) {
      AttemptPtr a = std::move(c.waiting.front());
      c.waiting.pop_front();
      if (a->finished) continue;
      if (a->count > c.caps.max_batch ||
          a->bytes->size() - sizeof(vigil_svc_request_hdr) > c.caps.max_body) {
        failover(a);
      } else {
        send(c, a);
      }
    }
  }

  void send(Conn& c, const AttemptPtr& a) {
    c.pending[a->id] = a;
    write(c, a->bytes);
  }

  void failover(const AttemptPtr& a) {
    if (a->finished) return;
    a->conn = -1;
    bump(&ClientStats::failovers);
    submit(a);
  }

  void on_deadline(const AttemptPtr& a) {
    if (a->finished) return;
    if (a->conn >= 0) {
      Conn& c = conns[a->conn];
      c.pending.erase(a->id);
      std::erase(c.waiting, a);
    }
    bump(&ClientStats::timeouts);
    local(a);
  }

  void finish(const AttemptPtr& a, Result&& r) {
    if (a->finished) return;
    a->finished = true;
    if (a->timer) a->timer->cancel();
    bump(&ClientStats::remote);
    a->done(std::move(r));
  }

  void local(const AttemptPtr& a) {
    if (a->finished) return;
    a->conn = -1;
    if (!opts.local_fallback) {
      Result r;
      r.status = VIGIL_ERR_DEADLINE;
      a->finished = true;
      if (a->timer) a->timer->cancel();
      return a->done(std::move(r));
    }
    a->finished = true;  // nothing on the I/O thread touches it again
    if (a->timer) a->timer->cancel();
    {
      std::lock_guard lk(mu);
      local_queue.push_back(a);
    }
    local_cv.notify_one();
  }

  void local_loop() {
    std::vector<crypto::VerifyItem> items;
    service::Limits any;
    any.max_msg_len = UINT32_MAX;
    while (true) {
      AttemptPtr a;
      {
        std::unique_lock lk(mu);
        local_cv.wait(lk, [&] { return stopping || !local_queue.empty(); });
        if (local_queue.empty()) return;
        a = std::move(local_queue.front());
        local_queue.pop_front();
        ++st.local_fallback;
      }
      const auto body = std::span(*a->bytes).subspan(sizeof(vigil_svc_request_hdr));
      service::parse_verify_body(a->count, body, any, items);  // our own encoding
      Result r;
      r.source = Source::local;
      r.verdict.assign(VIGIL_SVC_VERDICT_WORDS(a->count), 0);
      r.errors.assign(a->count, 0);
      crypto::verify_batch(items, a->rules, r.verdict, r.errors, opts.local_engine);
      a->done(std::move(r));
    }
  }

  // ---- connections (I/O thread) ----

  void connect(Conn& c) {
    c.state = Conn::State::connecting;
    const uint64_t gen = ++c.generation;
    c.stream = std::make_unique<Stream>(Stream{tcp::socket(io), nullptr});
    if (tls)
      c.stream->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(c.stream->sock, *tls);
    bump(&ClientStats::connects);
    c.connect_timer = std::make_unique<asio::steady_timer>(io, opts.connect_timeout);
    c.connect_timer->async_wait([this, &c, gen](error_code ec) {
      if (!ec && c.generation == gen && c.state == Conn::State::connecting) fail(c, false);
    });
    c.stream->sock.async_connect(c.ep, [this, &c, gen](error_code ec) {
      if (c.generation != gen) return;
      if (ec) return fail(c, false);
      c.stream->sock.set_option(tcp::no_delay(true));
      if (c.stream->tls) {
        c.stream->tls->async_handshake(asio::ssl::stream_base::client,
                                       [this, &c, gen](error_code e) {
                                         if (c.generation != gen) return;
                                         if (e) return fail(c, false);
                                         read_hello(c, gen);
                                       });
      } else {
        read_hello(c, gen);
      }
    });
  }

  void read_hello(Conn& c, uint64_t gen) {
    c.stream->with([&](auto& s) {
      asio::async_read(s, asio::buffer(c.hello_buf), [this, &c, gen](error_code ec, size_t) {
        if (c.generation != gen) return;
        if (ec || !service::parse_hello(c.hello_buf, c.hello)) return fail(c, false);
        if (opts.server_key && std::memcmp(opts.server_key->data(), c.hello.server_key, 32) != 0) {
          bump(&ClientStats::refused_handshakes);
          return fail(c, true);
        }
        const vigil_svc_auth auth = service::make_auth(opts.key, c.hello);
        auto bytes = std::make_shared<std::vector<uint8_t>>(sizeof(auth));
        std::memcpy(bytes->data(), &auth, sizeof(auth));
        write(c, bytes);
        read_header(c, gen);
      });
    });
  }

  void write(Conn& c, std::shared_ptr<const std::vector<uint8_t>> bytes) {
    c.outbox.push_back(std::move(bytes));
    if (c.outbox.size() == 1) write_next(c, c.generation);
  }

  void write_next(Conn& c, uint64_t gen) {
    c.stream->with([&](auto& s) {
      asio::async_write(s, asio::buffer(*c.outbox.front()), [this, &c, gen](error_code ec, size_t) {
        if (c.generation != gen) return;
        if (ec) return fail(c, false);
        c.outbox.pop_front();
        if (!c.outbox.empty()) write_next(c, gen);
      });
    });
  }

  void read_header(Conn& c, uint64_t gen) {
    c.stream->with([&](auto& s) {
      asio::async_read(
          s, asio::buffer(&c.hdr, sizeof(c.hdr)), [this, &c, gen](error_code ec, size_t) {
            if (c.generation != gen) return;
            if (ec || !service::response_header_ok(c.hdr)) return fail(c, false);
            c.last_heard = Clock::now();
            c.body.resize(c.hdr.body_len);
            c.stream->with([&](auto& s2) {
              asio::async_read(s2, asio::buffer(c.body), [this, &c, gen](error_code e, size_t) {
                if (c.generation != gen) return;
                if (e) return fail(c, false);
                if (!on_response(c)) return fail(c, false);
                read_header(c, gen);
              });
            });
          });
    });
  }

  // False when the server broke the protocol (the connection is dropped).
  bool on_response(Conn& c) {
    const auto& h = c.hdr;
    if (h.type == VIGIL_SVC_AUTH) {
      if (c.state != Conn::State::connecting) return false;
      if (h.status != VIGIL_OK || c.body.size() != sizeof(vigil_svc_caps)) {
        bump(&ClientStats::refused_handshakes);
        fail(c, true);
        return true;
      }
      std::memcpy(&c.caps, c.body.data(), sizeof(c.caps));
      c.state = Conn::State::ready;
      c.backoff = std::chrono::milliseconds(0);
      c.connect_timer->cancel();
      c.ping_outstanding = false;
      c.last_heard = Clock::now();
      drain(c);
      return true;
    }
    if (c.state != Conn::State::ready) return false;
    if (h.type == VIGIL_SVC_PING) {
      c.ping_outstanding = false;
      return true;
    }
    if (h.type != VIGIL_SVC_VERIFY) return true;  // CAPS: nothing asked for here
    auto it = c.pending.find(h.request_id);
    if (it == c.pending.end()) return true;  // its deadline passed: answered locally
    AttemptPtr a = it->second;
    c.pending.erase(it);
    c.ping_outstanding = false;  // any answer shows the server alive
    Result r;
    if (service::parse_verify_response(h, a->count, c.body, r.verdict, r.errors) != VIGIL_OK) {
      failover(a);
      return false;
    }
    if (h.status != VIGIL_OK) {
      if (h.status == VIGIL_ERR_OVERLOADED) bump(&ClientStats::overloaded);
      failover(a);
      drain(c);
      return true;
    }
    r.source = Source::remote;
    r.server = c.index;
    finish(a, std::move(r));
    drain(c);
    return true;
  }

  // Drops the connection and sends its requests elsewhere. `refused`: the
  // server will not take us (wrong key, handshake refused): back off most.
  void fail(Conn& c, bool refused) {
    if (c.state == Conn::State::connecting) bump(&ClientStats::connect_failures);
    ++c.generation;
    if (c.stream) {
      error_code ec;
      c.stream->sock.close(ec);
    }
    if (c.connect_timer) c.connect_timer->cancel();
    c.state = Conn::State::down;
    c.outbox.clear();
    c.ping_outstanding = false;
    c.backoff =
        refused ? opts.backoff_max : std::clamp(c.backoff * 2, opts.backoff_min, opts.backoff_max);
    c.next_try = Clock::now() + c.backoff;
    std::vector<AttemptPtr> moved;
    for (auto& [id, a] : c.pending) moved.push_back(a);
    for (auto& a : c.waiting) moved.push_back(a);
    c.pending.clear();
    c.waiting.clear();
    // Posted: the stream's last handlers must unwind before it is replaced.
    asio::post(io, [this, moved = std::move(moved)] {
      for (auto& a : moved) failover(a);
    });
  }

  void beat() {
    heartbeat.expires_after(opts.heartbeat);
    heartbeat.async_wait([this](error_code ec) {
      if (ec) return;
      const auto now = Clock::now();
      for (auto& c : conns) {
        if (c.state == Conn::State::ready) {
          // Dead: a ping unanswered and nothing heard for three periods
          // (a loaded server answers late, a dead one never).
          if (c.ping_outstanding && now - c.last_heard > 3 * opts.heartbeat) {
            bump(&ClientStats::dead_by_heartbeat);
            fail(c, false);
            continue;
          }
          if (c.ping_outstanding) continue;
          c.ping_outstanding = true;
          auto bytes = std::make_shared<std::vector<uint8_t>>();
          service::encode_empty_request(*bytes, VIGIL_SVC_PING, ping_bit | next_id++);
          write(c, bytes);
        } else if (c.state == Conn::State::down && now >= c.next_try) {
          connect(c);  // so a server that came back is used again
        }
      }
      beat();
    });
  }
};

std::unique_ptr<Client> Client::open(ClientOptions opts, std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<Client> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  if (opts.servers.empty() && !opts.local_fallback) return fail("no server and no local fallback");
  if (opts.servers.size() > 64) return fail("at most 64 servers");
  auto impl = std::make_unique<Impl>();
  for (size_t i = 0; i < opts.servers.size(); ++i) {
    Conn c;
    c.index = int(i);
    if (std::string why = service::parse_endpoint(opts.servers[i], c.ep); !why.empty())
      return fail(why);
    impl->conns.push_back(std::move(c));
  }
  if (opts.tls) {
    impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    error_code ec;
    if (!opts.tls_ca.empty()) {
      impl->tls->load_verify_file(opts.tls_ca, ec);
      if (ec) return fail(opts.tls_ca + ": " + ec.message());
      impl->tls->set_verify_mode(asio::ssl::verify_peer);
    }
  }
  impl->opts = std::move(opts);
  impl->io_thread = std::thread([p = impl.get()] { p->io.run(); });
  impl->local_thread = std::thread([p = impl.get()] { p->local_loop(); });
  asio::post(impl->io, [p = impl.get()] {
    for (auto& c : p->conns) p->connect(c);
    p->beat();
  });
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  asio::post(impl_->io, [p = impl_.get()] {
    p->heartbeat.cancel();
    for (auto& c : p->conns) {
      ++c.generation;
      if (c.stream) {
        error_code ec;
        c.stream->sock.close(ec);
      }
      if (c.connect_timer) c.connect_timer->cancel();
    }
    p->guard.reset();
    // A connect or read begun elsewhere (a reconnect racing this cleanup)
    // would keep run() waiting for good: stop; what never ran is dropped.
    p->io.stop();
  });
  impl_->io_thread.join();
  {
    std::lock_guard lk(impl_->mu);
    impl_->stopping = true;
  }
  impl_->local_cv.notify_all();
  impl_->local_thread.join();
}

void Client::verify_async(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                          Callback done, std::chrono::milliseconds deadline) {
  auto a = std::make_shared<Attempt>();
  auto* p = impl_.get();
  if (deadline == use_default) deadline = p->opts.deadline;
  a->count = uint32_t(items.size());
  a->rules = rules;
  a->done = std::move(done);
  a->deadline = Clock::now() + deadline;
  a->tried.assign(p->conns.size(), false);
  {
    std::lock_guard lk(p->mu);
    ++p->st.requests;
    a->id = p->next_id++ & ~ping_bit;
  }
  auto bytes = std::make_shared<std::vector<uint8_t>>();
  // The server's deadline is the caller's: past it an answer is of no use.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(deadline).count();
  service::encode_verify_request(*bytes, a->id, rules, items,
                                 uint32_t(std::min<int64_t>(us, UINT32_MAX)));
  a->bytes = std::move(bytes);
  if (items.empty()) {
    Result r;
    r.source = Source::local;
    a->done(std::move(r));
    return;
  }
  asio::post(p->io, [p, a] {
    a->timer = std::make_unique<asio::steady_timer>(p->io, a->deadline);
    a->timer->async_wait([p, a](error_code ec) {
      if (!ec) p->on_deadline(a);
    });
    if (a->count > VIGIL_SVC_MAX_BATCH) return p->local(a);
    p->submit(a);
  });
}

Result Client::verify(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                      std::chrono::milliseconds deadline) {
  std::promise<Result> done;
  auto got = done.get_future();
  verify_async(
      items, rules, [&done](Result&& r) { done.set_value(std::move(r)); }, deadline);
  return got.get();
}

ClientStats Client::stats() const {
  std::lock_guard lk(impl_->mu);
  return impl_->st;
}

size_t Client::connected() const {
  std::promise<size_t> n;
  auto got = n.get_future();
  asio::post(impl_->io, [p = impl_.get(), &n] {
    size_t k = 0;
    for (const auto& c : p->conns) k += c.state == Conn::State::ready;
    n.set_value(k);
  });
  return got.get();
}

}  // namespace vigil::client
