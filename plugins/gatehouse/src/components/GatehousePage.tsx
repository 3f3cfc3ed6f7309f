import { Header, Page } from '@backstage/core-components';
import { ServiceAccessContent } from './ServiceAccessContent';

/**
 * The page with Backstage's themed header, for both frontend systems (the
 * new system's page blueprint is told to add no header of its own).
 */
export function GatehousePage() {
  return (
    <Page themeId="tool">
      <Header
        title="Service access"
        subtitle="Tokens and identity providers that can call Backstage's plugins"
      />
      <ServiceAccessContent />
    </Page>
  );
}
