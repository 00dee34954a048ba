import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A webhook delivery already handled, by its `X-GitHub-Delivery` id: a redelivery is answered and ignored. */
@Entity({ name: 'github_deliveries' })
export class GitHubDeliveryEntity {
  @PrimaryColumn({ name: 'delivery_id', type: 'varchar', length: 64 })
  deliveryId!: string;

  @Column({ type: 'varchar', length: 64 })
  event!: string;

  @Column({ name: 'received_at', type: 'varchar', length: 32 })
  receivedAt!: string;
}
