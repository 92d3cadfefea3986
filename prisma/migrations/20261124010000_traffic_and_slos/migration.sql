-- CreateTable
CREATE TABLE "traffic_rollups" (
    "resolution" INTEGER NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "route" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "fallbacks" INTEGER NOT NULL,
    "shed" INTEGER NOT NULL,
    "rate_limited" INTEGER NOT NULL,
    "rejected" INTEGER NOT NULL,
    "latency" INTEGER[],

    CONSTRAINT "traffic_rollups_pkey" PRIMARY KEY ("resolution","route","bucket")
);

-- CreateTable
CREATE TABLE "slos" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "alert_state" TEXT NOT NULL DEFAULT 'ok',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "slos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slo_alert_events" (
    "id" BIGSERIAL NOT NULL,
    "slo_name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "previous" TEXT NOT NULL,
    "burn_rates" JSONB NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "slo_alert_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "traffic_rollups_resolution_service_bucket_idx" ON "traffic_rollups"("resolution", "service", "bucket");

-- CreateIndex
CREATE INDEX "traffic_rollups_resolution_bucket_idx" ON "traffic_rollups"("resolution", "bucket");

-- CreateIndex
CREATE UNIQUE INDEX "slos_name_key" ON "slos"("name");

-- CreateIndex
CREATE INDEX "slo_alert_events_slo_name_at_idx" ON "slo_alert_events"("slo_name", "at");
