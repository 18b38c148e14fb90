# circlekeeper container image: `docker build -t circlekeeper .`
# Two stages: the build stage installs circlekeeper and its dependencies into a virtualenv; the
# runtime stage copies only that virtualenv and runs it as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/circlekeeper
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
RUN /opt/circlekeeper/bin/pip install . \
    && /opt/circlekeeper/bin/python -m compileall -q /opt/circlekeeper/lib

FROM python:3.11-slim
RUN groupadd --system --gid 10001 circlekeeper \
    && useradd --system --uid 10001 --gid circlekeeper --home-dir /var/lib/circlekeeper \
       --create-home --shell /usr/sbin/nologin circlekeeper
COPY --from=build /opt/circlekeeper /opt/circlekeeper
ENV PATH=/opt/circlekeeper/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CIRCLEKEEPER_DATABASE_URL=sqlite+aiosqlite:////var/lib/circlekeeper/circlekeeper.db \
    SLACK_HTTP_HOST=0.0.0.0
WORKDIR /var/lib/circlekeeper
VOLUME ["/var/lib/circlekeeper"]
USER circlekeeper
# 3000: Slack's /slack/events (HTTP mode); 9090: /healthz and /metrics when [ops] listen is set.
EXPOSE 3000 9090
# circlekeeper shuts down gracefully on SIGINT or SIGTERM (claims handed back, connections
# closed) within 10 s, which is also Docker's default grace before SIGKILL.
STOPSIGNAL SIGINT
ENTRYPOINT ["circlekeeper"]
CMD ["run"]
