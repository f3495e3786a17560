# Sourced by backup.sh and restore.sh: their common options, the environment file and the database check.
# After `parse_options "<what the argument is>" "$@"`: env_file, with_media (1 or 0) and target (the one
# positional argument) are set, the --env-file (if any) is loaded, and DATABASE_URL names PostgreSQL.

usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

parse_options() {
    local what=$1
    shift
    env_file=""
    with_media=1
    target=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --env-file)
                [ $# -ge 2 ] || die "--env-file needs a file"
                env_file=$2
                shift 2
                ;;
            --no-media)
                with_media=0
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            -*) die "unknown option $1 (see --help)" ;;
            *)
                [ -z "$target" ] || die "one $what only"
                target=$1
                shift
                ;;
        esac
    done
    [ -n "$target" ] || {
        usage >&2
        exit 2
    }

    if [ -n "$env_file" ]; then
        [ -r "$env_file" ] || die "cannot read $env_file"
        set -a
        # shellcheck disable=SC1090
        . "$env_file"
        set +a
    fi

    case "${DATABASE_URL:-}" in
        postgres://* | postgresql://*) ;;
        "") die "DATABASE_URL is not set" ;;
        *) die "DATABASE_URL must be a postgres:// URL (backups are for PostgreSQL; SQLite is for development)" ;;
    esac
}
