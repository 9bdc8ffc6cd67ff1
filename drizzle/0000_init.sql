CREATE TABLE "gtotvslinklog" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idmensagem" uuid,
	"logtype" integer NOT NULL,
	"logmensagem" text NOT NULL,
	"logdate" timestamp with time zone DEFAULT now() NOT NULL,
	"datadebug" text,
	"tipo" text
);
--> statement-breakpoint
CREATE TABLE "gtotvslinkmessage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idexterno" text,
	"direcao" text NOT NULL,
	"tipo" text NOT NULL,
	"audiencia" text,
	"idcorrelacao" text,
	"conteudo" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"qtdetentativaexec" integer DEFAULT 0 NOT NULL,
	"datatentativaexec" timestamp with time zone DEFAULT now() NOT NULL,
	"ultimoerro" text,
	"datacriacao" timestamp with time zone DEFAULT now() NOT NULL,
	"dataalteracao" timestamp with time zone DEFAULT now() NOT NULL,
	"executor" text,
	"datainicioexec" timestamp with time zone,
	CONSTRAINT "gtotvslinkmessage_direcao_ck" CHECK ("gtotvslinkmessage"."direcao" in ('DOWN', 'UP')),
	CONSTRAINT "gtotvslinkmessage_status_ck" CHECK ("gtotvslinkmessage"."status" in ('PENDING', 'RUNNING', 'RETRY', 'DEAD'))
);
--> statement-breakpoint
CREATE TABLE "gtotvslinkmessageexec" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idmensagem" uuid NOT NULL,
	"idexterno" text,
	"direcao" text NOT NULL,
	"tipo" text NOT NULL,
	"audiencia" text,
	"idcorrelacao" text,
	"conteudo" text,
	"tentativa" integer NOT NULL,
	"sucesso" boolean NOT NULL,
	"erro" text,
	"datainicio" timestamp with time zone NOT NULL,
	"datafim" timestamp with time zone NOT NULL,
	"resultado" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "gtotvslinklog_idmensagem_ix" ON "gtotvslinklog" USING btree ("idmensagem","logdate");--> statement-breakpoint
CREATE INDEX "gtotvslinklog_logdate_ix" ON "gtotvslinklog" USING btree ("logdate");--> statement-breakpoint
CREATE INDEX "gtotvslinklog_logtype_ix" ON "gtotvslinklog" USING btree ("logtype","logdate");--> statement-breakpoint
CREATE UNIQUE INDEX "gtotvslinkmessage_idexterno_uq" ON "gtotvslinkmessage" USING btree ("idexterno");--> statement-breakpoint
CREATE INDEX "gtotvslinkmessage_due_ix" ON "gtotvslinkmessage" USING btree ("direcao","datatentativaexec") WHERE status in ('PENDING', 'RETRY');--> statement-breakpoint
CREATE INDEX "gtotvslinkmessage_running_ix" ON "gtotvslinkmessage" USING btree ("datainicioexec") WHERE status = 'RUNNING';--> statement-breakpoint
CREATE INDEX "gtotvslinkmessage_created_ix" ON "gtotvslinkmessage" USING btree ("datacriacao" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "gtotvslinkmessageexec_idexterno_ix" ON "gtotvslinkmessageexec" USING btree ("idexterno") WHERE sucesso;--> statement-breakpoint
CREATE INDEX "gtotvslinkmessageexec_idmensagem_ix" ON "gtotvslinkmessageexec" USING btree ("idmensagem","datainicio");--> statement-breakpoint
CREATE INDEX "gtotvslinkmessageexec_datafim_ix" ON "gtotvslinkmessageexec" USING btree ("datafim");--> statement-breakpoint
CREATE INDEX "gtotvslinkmessageexec_tipo_ix" ON "gtotvslinkmessageexec" USING btree ("tipo","datafim");