#include "host/mempool/mempool.hpp"

#include <algorithm>

#include "host/ingest/keyed_hash.hpp"

namespace vigil::mempool {

std::string_view add_result_name(AddResult r) {
  switch (r) {
    case AddResult::added:
      return "added";
    case AddResult::duplicate:
      return "duplicate";
    case AddResult::malformed:
      return "malformed";
    case AddResult::stale_nonce:
      return "stale_nonce";
    case AddResult::nonce_gap:
      return "nonce_gap";
    case AddResult::nonce_taken:
      return "nonce_taken";
    case AddResult::sender_full:
      return "sender_full";
    case AddResult::full:
      return "full";
    case AddResult::count_:
      break;
  }
  return "unknown";
}

size_t SigHash::operator()(const Sig& s) const {
  return size_t(key.table(s.data(), 16));
}

Mempool::Mempool(const MempoolConfig& config) : config_(config) {
  by_sig_.reserve(std::min<size_t>(config.capacity, size_t(1) << 16));
}

bool Mempool::holds(const Sig& sig, std::span<const uint8_t> frame) const {
  const auto it = by_sig_.find(sig);
  if (it == by_sig_.end()) return false;
  const auto& e = senders_.at(it->second.first).by_nonce.at(it->second.second);
  return std::equal(e.frame.begin(), e.frame.end(), frame.begin(), frame.end());
}

AddResult Mempool::add(std::span<const uint8_t> frame, const Key& sender, const Sig& sig,
                       std::span<const uint8_t> payload, uint64_t committed_nonce) {
  if (by_sig_.count(sig)) return count(AddResult::duplicate);
  // Transfers and governance approvals both spend the sender's nonce.
  const std::optional<uint64_t> nonce = payload_nonce(payload);
  if (!nonce) return count(AddResult::malformed);
  auto it = senders_.find(sender);
  const uint64_t next =
      it == senders_.end() ? committed_nonce : std::max(committed_nonce, it->second.next_nonce);
  const AddResult refused =
      nonce_refusal(it == senders_.end() ? nullptr : &it->second, next, *nonce);
  if (refused != AddResult::added) return count(refused);
  if (by_sig_.size() >= config_.capacity) {
    // A frame a block could carry next (it follows its sender's committed
    // nonce or a frame held here) is worth more than any behind a gap: those
    // make room, whatever their age (one sweep per commit at most).
    const bool follows =
        *nonce == next || (it != senders_.end() && it->second.by_nonce.count(*nonce - 1));
    if (!follows || swept_full_at_ == commits_) return count(AddResult::full);
    swept_full_at_ = commits_;
    expire_gapped(0);
    if (by_sig_.size() >= config_.capacity) return count(AddResult::full);
    it = senders_.find(sender);  // the sweep may have dropped it
  }
  Sender& s = senders_[sender];
  s.next_nonce = next;
  Entry& e = s.by_nonce[*nonce];
  e.frame.assign(frame.begin(), frame.end());
  e.sig = sig;
  e.added_at = commits_;
  by_sig_.emplace(sig, std::make_pair(sender, *nonce));
  return count(AddResult::added);
}

AddResult Mempool::nonce_refusal(const Sender* s, uint64_t next, uint64_t nonce) const {
  if (nonce < next) return AddResult::stale_nonce;
  if (nonce - next > config_.max_nonce_gap) return AddResult::nonce_gap;
  if (s && s->by_nonce.count(nonce)) return AddResult::nonce_taken;
  if (s && s->by_nonce.size() >= config_.max_per_sender) return AddResult::sender_full;
  return AddResult::added;
}

AddResult Mempool::screen(const Key& sender, uint64_t nonce) const {
  if (const auto it = senders_.find(sender); it != senders_.end())
    return nonce_refusal(&it->second, it->second.next_nonce, nonce);
  if (const auto next = recent_next(sender)) return nonce_refusal(nullptr, *next, nonce);
  return AddResult::added;  // its committed nonce is the ledger's
}

void Mempool::remember_next(const Key& sender, uint64_t nonce) {
  if (recent_now_.size() >= kRecentSenders && !recent_now_.count(sender)) {
    recent_old_ = std::move(recent_now_);
    recent_now_.clear();
  }
  recent_now_[sender] = nonce;
}

std::optional<uint64_t> Mempool::recent_next(const Key& sender) const {
  if (const auto it = recent_now_.find(sender); it != recent_now_.end()) return it->second;
  if (const auto it = recent_old_.find(sender); it != recent_old_.end()) return it->second;
  return std::nullopt;
}

std::vector<uint8_t> Mempool::take(uint32_t max_txs, size_t max_bytes, uint32_t* n,
                                   const SigSet* in_chain) {
  std::vector<uint8_t> out;
  *n = 0;
  for (auto& [key, s] : senders_) {
    uint64_t want = s.next_nonce;
    for (auto& [nonce, e] : s.by_nonce) {
      if (nonce != want || *n >= max_txs) break;
      ++want;
      if (in_chain) {
        if (in_chain->count(e.sig)) continue;  // an ancestor holds it
      } else if (e.proposed && commits_ - e.proposed_at < config_.repropose_after) {
        // In a block not yet committed: the sender's later nonces wait for it
        // (a block that never commits would make them fail on their nonce).
        break;
      }
      if (out.size() + e.frame.size() > max_bytes) break;
      out.insert(out.end(), e.frame.begin(), e.frame.end());
      e.proposed = true;
      e.proposed_at = commits_;
      ++*n;
      ++counters_.proposed;
    }
    if (*n >= max_txs) break;
  }
  return out;
}

std::optional<uint64_t> Mempool::next_nonce(const Key& sender) const {
  const auto it = senders_.find(sender);
  if (it == senders_.end()) return std::nullopt;
  return it->second.next_nonce;
}

void Mempool::erase(const Key& sender, uint64_t nonce) {
  auto it = senders_.find(sender);
  if (it == senders_.end()) return;
  auto e = it->second.by_nonce.find(nonce);
  if (e == it->second.by_nonce.end()) return;
  by_sig_.erase(e->second.sig);
  it->second.by_nonce.erase(e);
}

void Mempool::committed(std::span<const Sig> sigs, const NonceMap& next) {
  ++commits_;
  for (const Sig& sig : sigs) {
    auto it = by_sig_.find(sig);
    if (it == by_sig_.end()) continue;
    const auto [key, nonce] = it->second;
    erase(key, nonce);
    ++counters_.committed;
  }
  for (const auto& [key, nonce] : next) {
    remember_next(key, nonce);
    auto it = senders_.find(key);
    if (it == senders_.end()) continue;
    Sender& s = it->second;
    s.next_nonce = nonce;
    while (!s.by_nonce.empty() && s.by_nonce.begin()->first < nonce) {
      by_sig_.erase(s.by_nonce.begin()->second.sig);
      s.by_nonce.erase(s.by_nonce.begin());
      ++counters_.expired;
    }
    if (s.by_nonce.empty()) senders_.erase(it);
  }
  // A sweep of the whole pool, every few commits: bounded work per commit.
  if (config_.gap_expire_commits && commits_ % 8 == 0) expire_gapped(config_.gap_expire_commits);
}

void Mempool::expire_gapped(uint64_t min_age) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    Sender& s = it->second;
    uint64_t want = s.next_nonce;
    for (auto e = s.by_nonce.begin(); e != s.by_nonce.end();) {
      if (e->first == want) {  // reachable: a block can carry it
        ++want;
        ++e;
        continue;
      }
      if (commits_ - e->second.added_at < min_age) {
        ++e;
        continue;
      }
      by_sig_.erase(e->second.sig);
      e = s.by_nonce.erase(e);
      ++counters_.gap_expired;
    }
    it = s.by_nonce.empty() ? senders_.erase(it) : std::next(it);
  }
}

}  // namespace vigil::mempool
