-- Sessions written before branches were a list: a user message follows the last live message before
-- it; an answer (live or superseded by a regeneration) follows the last user message before it. The
-- head is the last live message.
UPDATE `messages` SET `parent_seq` = (
  SELECT max(`m`.`seq`) FROM `messages` AS `m`
  WHERE `m`.`seq` < `messages`.`seq` AND `m`.`superseded_by` IS NULL
    AND (`messages`.`role` <> 'assistant' OR `m`.`role` = 'user')
) WHERE `parent_seq` IS NULL;
--> statement-breakpoint
UPDATE `session_meta` SET `head_seq` = (SELECT max(`seq`) FROM `messages` WHERE `superseded_by` IS NULL) WHERE `head_seq` IS NULL;
