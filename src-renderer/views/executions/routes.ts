import type { RouteRecordRaw } from 'vue-router';

export default [
  { path: '/executions', name: 'executions', component: () => import('./ExecutionsView.vue'), meta: { nav: { label: 'nav.executions', icon: '⌕', order: 20 } } },
  { path: '/executions/:id', name: 'execution', component: () => import('./ExecutionDetail.vue'), props: true },
] satisfies RouteRecordRaw[];
