#!/bin/bash
# Stand-in for neo4j-admin (Neo4j 5 "database dump|load" and 4.x "dump|load" syntax) for PgArk's tests: Neo4j cannot be
# installed on the build machines. A database is the folder $NEO4J_HOME/data/databases/<name>; a dump is a tar of it.
# Like the real tool it refuses to dump a database that does not exist or is in use ($NEO4J_HOME/run/<name>.online), and
# refuses to load onto an existing database unless told to overwrite it (--overwrite-destination=true in 5, --force in 4.x).
# Every invocation's arguments are appended to $NEO4J_HOME/admin-args.log.
set -u
home="${NEO4J_HOME:?NEO4J_HOME is not set}"
printf '%s\n' "$*" >> "$home/admin-args.log"
dbs="$home/data/databases"
mkdir -p "$dbs"

fail() { echo "$*" >&2; exit 1; }
in_use() { [ -e "$home/run/$1.online" ] && fail "The database '$1' is in use. Stop database '$1' and try again (Community edition: stop the Neo4j server)."; return 0; }

dump_db() { # name -> tar on stdout
    [ -d "$dbs/$1" ] || fail "Database does not exist: $1"
    in_use "$1"
    tar -C "$dbs/$1" -cf - .
}

load_db() { # name overwrite(0|1), dump on stdin
    if [ -d "$dbs/$1" ]; then
        [ "$2" = 1 ] || fail "Database already exists: $1. Use --overwrite-destination=true to replace it."
        in_use "$1"
    fi
    tmp=$(mktemp -d "$home/load.XXXXXX")
    if ! tar -C "$tmp" -xf - 2>/dev/null || [ ! -e "$tmp/graph.json" ]; then
        rm -rf "$tmp"
        fail "Not a valid Neo4j archive"
    fi
    rm -rf "$dbs/$1"
    mv "$tmp" "$dbs/$1"
}

case "${1:-}" in
    database)
        action="${2:-}"; db="${3:-}"; [ -n "$db" ] || fail "Missing required parameter: '<database>'"
        shift 3
        case "$action" in
            dump)
                to_stdout=0; to_path=""
                for a in "$@"; do
                    case "$a" in
                        --to-stdout) to_stdout=1 ;;
                        --to-path=*) to_path="${a#*=}" ;;
                        --verbose) ;;
                        *) fail "Unknown option: '$a'" ;;
                    esac
                done
                if [ "$to_stdout" = 1 ]; then dump_db "$db"; elif [ -n "$to_path" ]; then dump_db "$db" > "$to_path/$db.dump"; else fail "Missing --to-path or --to-stdout"; fi
                ;;
            load)
                from_stdin=0; overwrite=0; from_path=""
                for a in "$@"; do
                    case "$a" in
                        --from-stdin) from_stdin=1 ;;
                        --from-path=*) from_path="${a#*=}" ;;
                        --overwrite-destination|--overwrite-destination=true) overwrite=1 ;;
                        --overwrite-destination=false|--verbose) ;;
                        *) fail "Unknown option: '$a'" ;;
                    esac
                done
                if [ "$from_stdin" = 1 ]; then load_db "$db" "$overwrite"; elif [ -n "$from_path" ]; then load_db "$db" "$overwrite" < "$from_path/$db.dump"; else fail "Missing --from-path or --from-stdin"; fi
                ;;
            *) fail "Unknown command: database $action" ;;
        esac
        ;;
    dump)
        shift; db=""; to=""
        for a in "$@"; do
            case "$a" in
                --database=*) db="${a#*=}" ;;
                --to=*) to="${a#*=}" ;;
                *) fail "Unknown option: '$a'" ;;
            esac
        done
        [ -n "$db" ] && [ -n "$to" ] || fail "dump needs --database and --to"
        dump_db "$db" > "$to" || { rm -f "$to"; exit 1; }
        ;;
    load)
        shift; db=""; from=""; force=0
        for a in "$@"; do
            case "$a" in
                --database=*) db="${a#*=}" ;;
                --from=*) from="${a#*=}" ;;
                --force) force=1 ;;
                *) fail "Unknown option: '$a'" ;;
            esac
        done
        [ -n "$db" ] && [ -n "$from" ] || fail "load needs --database and --from"
        load_db "$db" "$force" < "$from"
        ;;
    *) fail "Unknown command: ${1:-}" ;;
esac
