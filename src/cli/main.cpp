#include "cli/app.h"

int main(int argc, char** argv) { return dbsync::cli::run(argc, argv); }
