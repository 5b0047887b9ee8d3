#include "merge/shard_input.h"

#include <cstring>

#include "snapshot/key.h"

namespace dbsync {

ShardInput::ShardInput(std::string_view bytes, std::string label, const ShardSpec& spec,
                       const std::vector<std::string>& capture)
    : data_(bytes), label_(std::move(label)), spec_(spec), capture_(capture), captured_(capture.size()) {}

Error ShardInput::at_line(Error e) const {
  return std::move(e).context("'" + label_ + "' line " + std::to_string(line_no_));
}

Status ShardInput::check_current() {
  ++checked_;
  auto parts = split_record_line(line_);
  if (!parts) return std::unexpected(at_line(parts.error()));
  parts_ = *parts;
  if (auto st = check_record_line(parts_, &members_); !st) return std::unexpected(at_line(st.error()));
  if (auto st = key_encoding_from_members(key_, members_, spec_.key_fields); !st) {
    return std::unexpected(at_line(st.error()));
  }
  uint32_t shard = shard_of(key_, spec_.shard_count);
  if (shard != spec_.shard) {
    return std::unexpected(
        at_line(Error(ErrorCode::kBadInput,
                      "key " + key_ + " belongs in shard " + shard_file_name(shard, spec_.shard_count) +
                          ", not in " + shard_file_name(spec_.shard, spec_.shard_count),
                      "records are placed by XXH3-64 of the key encoding (docs/FORMAT.md); check `shards` in "
                      "dbsync.toml")));
  }
  for (size_t i = 0; i < capture_.size(); ++i) {
    captured_[i] = {};
    for (const DocMember& m : members_) {
      if (m.has_name(capture_[i])) {
        captured_[i] = m.value;
        break;
      }
    }
  }
  return {};
}

void ShardInput::adopt(const ShardInput& peer) {
  ++reused_;
  // The lines are byte-identical, so every view moves by the same offset.
  auto rebase = [&](std::string_view v) {
    if (v.data() == nullptr) return v;
    return std::string_view(line_.data() + (v.data() - peer.line_.data()), v.size());
  };
  parts_.doc = rebase(peer.parts_.doc);
  parts_.hash = rebase(peer.parts_.hash);
  parts_.rev = rebase(peer.parts_.rev);
  key_.assign(peer.key_);
  for (size_t i = 0; i < captured_.size(); ++i) captured_[i] = rebase(peer.captured_[i]);
}

bool ShardInput::same_line_as(const ShardInput& other) const {
  if (!valid_ || !other.valid_ || line_.size() != other.line_.size()) return false;
  if (lender_ == &other && lender_line_no_ == other.line_no_) return true;
  if (other.lender_ == this && other.lender_line_no_ == line_no_) return true;
  return std::memcmp(line_.data(), other.line_.data(), line_.size()) == 0;
}

Result<bool> ShardInput::next(std::initializer_list<const ShardInput*> peers) {
  if (pos_ >= data_.size()) {
    valid_ = false;
    return false;
  }
  ++line_no_;
  std::swap(prev_key_, key_);
  lender_ = nullptr;
  // Most lines equal a peer's current line: compare in place, which also
  // finds the line's end without scanning for it.
  const ShardInput* lender = nullptr;
  for (const ShardInput* p : peers) {
    if (p == nullptr || !p->valid_) continue;
    size_t n = p->line_.size();
    if (pos_ + n < data_.size() && data_[pos_ + n] == '\n' &&
        std::memcmp(p->line_.data(), data_.data() + pos_, n) == 0) {
      lender = p;
      line_ = std::string_view(data_.data() + pos_, n);
      break;
    }
  }
  if (lender == nullptr) {
    const char* begin = data_.data() + pos_;
    const void* nl = std::memchr(begin, '\n', data_.size() - pos_);
    if (nl == nullptr) {
      valid_ = false;
      return std::unexpected(
          at_line(Error(ErrorCode::kBadInput, "truncated last line (no newline at the end)",
                        "the file was cut short; restore it from git history")));
    }
    line_ = std::string_view(begin, static_cast<size_t>(static_cast<const char*>(nl) - begin));
  }
  pos_ += line_.size() + 1;

  if (lender != nullptr) {
    adopt(*lender);
    lender_ = lender;
    lender_line_no_ = lender->line_no_;
  } else if (auto st = check_current(); !st) {
    valid_ = false;
    return std::unexpected(st.error());
  }
  if (line_no_ > 1 && key_ <= prev_key_) {
    valid_ = false;
    return std::unexpected(
        at_line(Error(ErrorCode::kBadInput,
                      key_ == prev_key_ ? "duplicate key " + key_ : "key " + key_ + " is out of order",
                      "records in a shard are sorted by the bytes of their key encoding")));
  }
  valid_ = true;
  return true;
}

}  // namespace dbsync
