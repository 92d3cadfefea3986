-- CreateTable
CREATE TABLE "trace_spans" (
    "trace_id" TEXT NOT NULL,
    "span_id" TEXT NOT NULL,
    "parent_span_id" TEXT,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "route" TEXT,
    "service" TEXT,
    "target" TEXT,
    "method" TEXT,
    "path" TEXT,
    "status" INTEGER NOT NULL,
    "error_code" TEXT,
    "outcome" TEXT,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMP(3) NOT NULL,
    "duration_ms" DOUBLE PRECISION NOT NULL,
    "attributes" JSONB NOT NULL,
    "kept_because" TEXT NOT NULL,

    CONSTRAINT "trace_spans_pkey" PRIMARY KEY ("trace_id","span_id")
);

-- CreateIndex
CREATE INDEX "trace_spans_started_at_idx" ON "trace_spans"("started_at");

-- CreateIndex
CREATE INDEX "trace_spans_route_started_at_idx" ON "trace_spans"("route", "started_at");
