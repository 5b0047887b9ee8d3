// Starts tests/e2e/mongo_wire/mock_mongod.py (a scripted MongoDB
// wire-protocol server on python3-mockupdb) for a test and stops it again:
// SIGTERM, then SIGKILL, when the object is destroyed; the script also exits
// when its stdin (held here) closes, so a crashed test leaves no server.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/process.h"

namespace dbsync::testing {

inline const char* mock_python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

inline bool have_mockupdb() {
  static const bool have = [] {
    auto r = run_process({mock_python(), "-c", "import mockupdb"}, {});
    return r && r->exit_code == 0;
  }();
  return have;
}

class MockMongod {
 public:
  MockMongod(const std::filesystem::path& dir, std::vector<std::string> args) : log_(dir / "mock.log") {
    int out[2], in[2];
    if (::pipe(out) != 0) return;
    if (::pipe(in) != 0) return;
    std::vector<std::string> argv = {
        mock_python(), std::string(DBSYNC_SOURCE_DIR) + "/tests/e2e/mongo_wire/mock_mongod.py",
        "--log",       log_.string(),
        "--lifetime",  "600"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execvp(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    ::fcntl(stdin_, F_SETFD, FD_CLOEXEC);
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    char c;
    while (::poll(&p, 1, 20000) > 0 && ::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    port_ = line.empty() ? 0 : std::atoi(line.c_str());
  }
  ~MockMongod() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        ::usleep(100000);
      }
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  MockMongod(const MockMongod&) = delete;
  MockMongod& operator=(const MockMongod&) = delete;

  // 0 when the server did not start.
  int port() const { return port_; }
  std::string url(const std::string& auth = "", const std::string& db = "app") const {
    return "mongodb://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + db +
           "?serverSelectionTimeoutMS=3000&connectTimeoutMS=3000&socketTimeoutMS=30000";
  }
  // The commands received so far, one canonical Extended JSON line each.
  std::vector<std::string> log() const {
    std::ifstream in(log_);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void clear_log() const { std::ofstream(log_, std::ios::trunc); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace dbsync::testing
